"""Media in: probing and decoding with ffmpeg (media), finding a library's files in folders
(library) and on S3 (sources)."""
