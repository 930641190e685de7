"""The data factory of the `spacy project` workflow: corpus readers, value
pools, augmentation, silver labels and the evaluation buckets. Nothing on
the prediction path imports it."""
