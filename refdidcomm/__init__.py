"""refdidcomm: a minimal, standard-library-only reference implementation of DIDComm.

Copying this ``refdidcomm/`` folder alone vendors the pure-Python implementation;
the optional native core (the top-level extension ``_refdidcomm_native``, built
from ``_crypto/``) only
makes the same primitives faster and constant time.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
