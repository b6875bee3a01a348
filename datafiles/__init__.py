"""Public data files (word norms, song catalogs, corpora): where each lives in the data directory,
its canonical address and checksum, and `DataFile.resolve`, which finds or downloads it. Depends on
nothing else in Moodwave, so `nlp`, `recommender` and `bot` share it without the database."""

from datafiles.data_file import DataFile, DatasetUnavailable

__all__ = ["DataFile", "DatasetUnavailable"]
