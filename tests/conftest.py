"""Shared fixtures."""

import pytest
from spacy.language import Language
from training_data import train_pipeline


@pytest.fixture(scope="session")
def trained_nlp() -> Language:
    return train_pipeline()
