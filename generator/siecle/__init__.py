"""The SIECLE/BEE exports of the synthetic académie (formats §2): for one
establishment at one date, from the same population as the AAF files (same
persons, ids, classes, groups), ``ElevesSansAdresses.xml`` (``BEE_ELEVES``)
and ``ResponsablesAvecAdresses.xml`` (``BEE_RESPONSABLES``, 2018 form),
ISO-8859-15 (``export``); and the variants of the students export that each
trigger one outcome of the SIECLE import (``variants``)."""
