-- Models are identified by their content (the SHA-256 of the whole model as a canonical .tflite),
-- not by the name inside the file: a user's file named like a zoo model is another model. Models
-- registered before this migration have no content key and are never matched by content.
ALTER TABLE models ADD COLUMN IF NOT EXISTS content_key CHAR(64);
CREATE UNIQUE INDEX IF NOT EXISTS models_content ON models(content_key);
