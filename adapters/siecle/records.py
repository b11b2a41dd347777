"""What a SIECLE/BEE export holds once read (formats §2).

Plain, frozen values: the adapter knows the format, not the rules. Text values
are trimmed and otherwise as typed in SIECLE (apostrophes, hyphens, `œ` kept);
an absent or empty text value is ``""``. Each record carries the line where it
starts in its file, so that the rules can point an operator at it.

Records are kept whole or rejected whole: a record that appears here passed
every check of the parser, and one that failed a check appears only as
``Rejection``s (adapters/errors.py) carrying its SIECLE key (``ELEVE_ID`` /
``PERSONNE_ID``, domain-rules §11) and the field, never the value. A kept
record may have fields set aside for an implausible value (domain-rules
§12): those fields are empty (``""``, a birth date ``None``) and the
export's ``set_aside`` says which and why.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from adapters.errors import Rejection, SetAside

ELEVES_ROOT = "BEE_ELEVES"
RESPONSABLES_ROOT = "BEE_RESPONSABLES"
NOMENCLATURES_ROOT = "BEE_NOMENCLATURES"  # recognised, never read (adapters/siecle/parser.py)

# NIVEAU_RESPONSABILITE (2018+ files), formats §2.
LEVEL_LEGAL = 1  # représentant légal: guardian account
LEVEL_IN_CHARGE = 2  # responsable en charge (foster family…): guardian account
LEVEL_CONTACT = 3  # personne à contacter only: no account (domain-rules §1)
LEVELS = (LEVEL_LEGAL, LEVEL_IN_CHARGE, LEVEL_CONTACT)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SiecleHeader(_Frozen):
    """The export's frame: root tag and its ``VERSION`` (as found, ``""``
    when absent; never judged), and ``PARAMETRES`` (``UAJ``,
    ``ANNEE_SCOLAIRE`` = first calendar year of the school year,
    ``DATE_EXPORT``, ``HORODATAGE``). ``exported_on`` is ``DATE_EXPORT``, or
    the day of ``HORODATAGE`` in a partial extract that lacks it."""

    root: str
    version: str
    uai: str
    school_year: int
    exported_on: date
    exported_at: datetime | None


class SiecleStudent(_Frozen):
    """``ELEVES/ELEVE`` joined with its ``STRUCTURES_ELEVE`` and ``OPTION``
    sections by ``ELEVE_ID``. ``sex`` is ``"M"`` or ``"F"`` (``CODE_SEXE`` 1/2).
    ``left_on`` is ``DATE_SORTIE``, past or future alike; ``None`` when empty
    or ``31/12/9999``. ``division`` is the one ``D`` structure, ``None`` when
    the student has none (in no class); ``groups`` the ``G`` structures and
    ``options`` the ``CODE_MATIERE`` values, both in file order."""

    eleve_id: str
    elenoet: str
    ine: str
    family_name: str
    usage_name: str
    given_name: str
    given_name2: str
    given_name3: str
    birth_date: date | None
    sex: str
    entered_on: date | None
    left_on: date | None
    leaving_reason: str
    regime: str
    status: str
    mef: str
    division: str | None
    groups: tuple[str, ...]
    options: tuple[str, ...]
    previous_uai: str
    line: int


class SiecleGuardian(_Frozen):
    """``PERSONNES/PERSONNE``. ``address_id`` may name no ``ADRESSE`` of the
    file (persons without address happen, formats §2). A couple typed as one
    person ("Guy Et Yvette", "M. MME MANENTE") is a valid guardian here: the
    rules flag it (domain-rules §5)."""

    personne_id: str
    civility: str
    family_name: str
    usage_name: str
    given_name: str
    phone_home: str
    phone_mobile: str
    phone_work: str
    email: str
    address_id: str
    profession: str
    line: int


class SiecleLink(_Frozen):
    """``RESPONSABLES/RESPONSABLE_ELEVE``: one person's role for one student.
    ``level`` is 1, 2 or 3 (see ``LEVELS``) in both the 2018+ and the
    pre-2018 forms (mapping in adapters/siecle/responsables.py). Every link
    here names a guardian of ``ResponsablesExport.guardians``."""

    eleve_id: str
    personne_id: str
    level: int
    kinship: str
    pays_fees: bool
    priority_contact: bool
    line: int


class SiecleAddress(_Frozen):
    """``ADRESSES/ADRESSE``; ``lines`` are the non-empty ``LIGNE1..4_ADRESSE``.
    One address may be shared by several persons."""

    address_id: str
    lines: tuple[str, ...]
    postal_code: str
    commune_insee: str
    postal_label: str
    country: str
    line: int


class ElevesExport(_Frozen):
    """A ``BEE_ELEVES`` file (ElevesSansAdresses / ElevesAvecAdresses)."""

    header: SiecleHeader
    students: tuple[SiecleStudent, ...]
    rejections: tuple[Rejection, ...]
    set_aside: tuple[SetAside, ...] = ()


class ResponsablesExport(_Frozen):
    """A ``BEE_RESPONSABLES`` file (ResponsablesAvecAdresses)."""

    header: SiecleHeader
    guardians: tuple[SiecleGuardian, ...]
    links: tuple[SiecleLink, ...]
    addresses: tuple[SiecleAddress, ...]
    rejections: tuple[Rejection, ...]
    set_aside: tuple[SetAside, ...] = ()
