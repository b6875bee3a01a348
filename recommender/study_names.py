"""Names the offline study shares with the command line, in a module that imports nothing heavy:
`moodwave --help` and the bot process of `moodwave run` never load torch for them. The ranker names
are the registry's (`recommender.rankers`)."""

SITUNES_SPLITS = ("time", "lab-to-field", "new-person")  # the SiTunes preset's splits

HETREC_SEED = 2011  # the HetRec preset's simulation seed
