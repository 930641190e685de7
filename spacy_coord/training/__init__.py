"""The data factory of the `spacy project` workflow; nothing on the
prediction path imports it.

corpora     SNIPS, SGD and CLINC150 readers
examples    gold examples before they become docs; what kind an original makes
pools       slot values per slot type
render      lists of values, and speech-recognition style
augment     the Augmenter and its levers
silver      conjuncts from a dependency parse (silver labels, the parser baseline)
splits      train / dev / test splits and the evaluation buckets
config      the settings of corpus building (configs/corpus.cfg)
build       what scripts/make_corpus.py runs
evaluation  scoring on the evaluation buckets
"""
