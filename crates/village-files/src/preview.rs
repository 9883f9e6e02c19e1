//! Photo previews: decode, turn upright, shrink, re-encode as JPEG. CPU-bound and
//! blocking; the store runs it on tokio's blocking pool.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, RgbImage};

use crate::error::FileError;

/// Largest width or height decoded. A small file can claim enormous dimensions (a
/// "decompression bomb"); the header is checked against this before any pixels are
/// allocated. 12,000 pixels is above any phone or school camera's photos.
pub(crate) const MAX_DECODE_SIDE: u32 = 12_000;

/// Most memory one decode may use, counted by the decoder before it allocates the
/// image: 256 MiB fits a 64-megapixel RGB photo.
pub(crate) const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

/// Good enough for a preview at a fraction of the original's size.
const JPEG_QUALITY: u8 = 82;

/// Makes a JPEG preview of `source` whose longer side is at most `max_side`.
///
/// The result is a fresh JPEG holding only pixels: re-encoding drops every metadata block
/// of the original, EXIF included, with the GPS position a phone records in each photo.
/// For photos of children that matters: the preview is what can safely be shown to
/// others, without giving away where a child lives or goes to school. The EXIF
/// orientation is applied first, so nothing is lost but the metadata.
pub(crate) fn render(source: &[u8], max_side: u32) -> Result<Vec<u8>, FileError> {
    let mut reader = ImageReader::new(Cursor::new(source))
        .with_guessed_format()
        .map_err(|e| FileError::PhotoUnreadable(Box::new(e)))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);

    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    // `into_decoder` checks the dimensions but not the size of the output buffer, which
    // is what a bomb would make us allocate.
    if width > MAX_DECODE_SIDE
        || height > MAX_DECODE_SIDE
        || decoder.total_bytes() > MAX_DECODE_ALLOC
    {
        return Err(FileError::PhotoTooLarge);
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut photo = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    photo.apply_orientation(orientation);

    let side = max_side.max(1);
    let small = if photo.width() > side || photo.height() > side {
        photo.thumbnail(side, side)
    } else {
        photo
    };
    let rgb = flatten_onto_white(small);

    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| FileError::PhotoUnreadable(Box::new(e)))?;
    Ok(out)
}

fn decode_error(e: ImageError) -> FileError {
    match e {
        ImageError::Limits(_) => FileError::PhotoTooLarge,
        other => FileError::PhotoUnreadable(Box::new(other)),
    }
}

/// JPEG has no transparency; transparent parts of a PNG become white (as on paper)
/// rather than the black that dropping the alpha channel would give.
fn flatten_onto_white(photo: DynamicImage) -> RgbImage {
    if !photo.color().has_alpha() {
        return photo.into_rgb8();
    }
    let rgba = photo.into_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (to, from) in out.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = from.0;
        let a = u16::from(a);
        let over_white = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        *to = image::Rgb([over_white(r), over_white(g), over_white(b)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgba, RgbaImage};

    fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn transparent_png_becomes_white_jpeg() {
        let img = DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 20, Rgba([0, 0, 0, 0])));
        let jpeg = render(&encode(&img, ImageFormat::Png), 10).unwrap();
        let back = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (10, 5));
        let p = back.to_rgb8().get_pixel(5, 2).0;
        assert!(p.iter().all(|&c| c > 240), "{p:?}");
    }

    #[test]
    fn small_photos_are_not_enlarged() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(30, 50, image::Rgb([9, 99, 199])));
        for format in [
            ImageFormat::Png,
            ImageFormat::Gif,
            ImageFormat::Jpeg,
            ImageFormat::WebP,
        ] {
            let jpeg = render(&encode(&img, format), 800).unwrap();
            let back = image::load_from_memory(&jpeg).unwrap();
            assert_eq!((back.width(), back.height()), (30, 50), "{format:?}");
        }
    }

    #[test]
    fn garbage_is_unreadable() {
        assert!(matches!(
            render(b"\x89PNG\r\n\x1a\nnot really", 100),
            Err(FileError::PhotoUnreadable(_))
        ));
    }
}
