"""The domain label of a training doc (SNIPS intent, SGD service, ...).

It lives in `doc.user_data`, which `DocBin(store_user_data=True)` keeps, so it
survives the trip through `.spacy` files into `spacy train`.
"""

from typing import Optional

from spacy.tokens import Doc

DOMAIN_KEY = "spacy_coord.domain"


def set_domain(doc: Doc, domain: Optional[str]) -> None:
    """Label `doc` with the domain it was drawn from.

    doc (Doc): A training doc.
    domain (Optional[str]): Its domain, e.g. a SNIPS intent; None removes the label.
    """
    if domain is None:
        doc.user_data.pop(DOMAIN_KEY, None)
    else:
        doc.user_data[DOMAIN_KEY] = str(domain)


def get_domain(doc: Doc) -> Optional[str]:
    """The domain label of a doc.

    doc (Doc): A doc.
    RETURNS (Optional[str]): Its domain, or None when it has none.
    """
    return doc.user_data.get(DOMAIN_KEY)
