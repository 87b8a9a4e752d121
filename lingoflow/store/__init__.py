"""Where results live: the result store and stage keys (cache), local folders and S3 (storage,
s3client), the output root OUT (outroot), and writing under a temporary name then renaming (atomic)."""
