-- Personal challenges run between two dates and end with an open day where teams show
-- their work.
ALTER TABLE challenges ADD COLUMN starts_on TEXT;
ALTER TABLE challenges ADD COLUMN ends_on TEXT;
ALTER TABLE challenges ADD COLUMN open_day TEXT;
