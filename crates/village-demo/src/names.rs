//! Names for generated people: a mix that looks like a school in England today.

pub const GIVEN: &[&str] = &[
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Freya",
    "Willow", "Evie", "Poppy", "Aisha", "Maryam", "Zara", "Hana", "Amira", "Priya", "Anaya", "Chloe", "Ella",
    "Ruby", "Niamh", "Siobhan", "Zofia", "Maja", "Adaeze", "Chioma", "Yasmin", "Leah", "Erin", "Sienna", "Layla",
    "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theo", "Jack",
    "Charlie", "Freddie", "Alfie", "Thomas", "Ibrahim", "Yusuf", "Omar", "Arjun", "Rohan", "Kai", "Finley", "Ethan",
    "Jacob", "Daniel", "Samuel", "Joseph", "Kacper", "Jakub", "Tomasz", "Chidi", "Kwame", "Kofi", "Luca", "Mateo",
];

pub const ADULT_GIVEN: &[&str] = &[
    "Sarah", "Emma", "Rachel", "Laura", "Claire", "Helen", "Nicola", "Joanne", "Fatima", "Ayesha", "Shabana", "Deepa",
    "Agnieszka", "Ngozi", "Mary", "Susan", "Karen", "Louise", "Gemma", "Kirsty", "Hannah", "Rebecca", "Samira", "Sunita",
    "David", "James", "Mark", "Paul", "Andrew", "Richard", "Michael", "Stephen", "Imran", "Tariq", "Asif", "Rajesh",
    "Piotr", "Marek", "Emeka", "Tunde", "Gareth", "Craig", "Darren", "Lee", "Wayne", "Neil", "Simon", "Martin",
];

pub const FAMILY: &[&str] = &[
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
    "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark",
    "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker",
    "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins",
    "Bell", "Shaw", "Murphy", "Khan", "Ahmed", "Hussain", "Ali", "Begum", "Singh", "Kaur", "Shah", "Mistry", "Okafor",
    "Adeyemi", "Mensah", "Nowak", "Kowalski", "Wiśniewski", "Rossi", "O'Brien", "Byrne", "McDonald", "Campbell",
];

pub const PRIMARY_NAMES: &[&str] = &[
    "Brookside Primary School", "Hollins Lane Primary", "St Anne's CE Primary", "Fernhill Primary Academy",
    "Castle Green Primary", "Willow Bank Infant and Junior", "Orchard Vale Primary", "Kingsway Primary",
];

pub const SECONDARY_NAMES: &[&str] = &[
    "Riverside Academy", "Northgate School", "Highfield Community College", "St Bede's Catholic High",
    "Moorland Academy", "Eastbrook School",
];

pub const SPECIAL_NAMES: &[&str] = &["Meadow View School", "Oakfield Special School", "The Bridge School"];

pub const HOUSES: &[&str] = &["Oak Village", "Ash Village", "Willow Village"];

pub const SIXTH_FORM_SUBJECTS: &[&str] = &[
    "Biology", "Chemistry", "Physics", "Mathematics", "Further Mathematics", "English Literature", "History",
    "Geography", "Psychology", "Sociology", "Art and Design", "Computer Science", "Economics", "French", "Music",
];

pub const RECOGNITIONS: &[&str] = &[
    "Helped a classmate understand fractions",
    "Outstanding effort in science practical",
    "Kind to a new pupil",
    "Excellent homework, beautifully presented",
    "Led the group discussion well",
    "Great resilience when the task was hard",
    "Volunteered at the open evening",
    "Read aloud with confidence",
];

pub const CONCERNS: &[&str] = &[
    "Homework not handed in",
    "Late to lessons twice this week",
    "Unkind words in the playground",
    "Did not bring equipment",
    "Left the lesson without permission",
    "Phone out in class",
];
