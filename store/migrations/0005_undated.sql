-- A post its source gave no date (an RSS item without pubDate) is stored
-- with the time it was first collected; storage.retention keeps it, since
-- deleting it would make it new again the next time its feed lists it.
ALTER TABLE mentions ADD COLUMN undated INTEGER NOT NULL DEFAULT 0;
