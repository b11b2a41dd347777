"""The categories of an AAF delivery and the attributes of each, in the
default (VE1803) order, with the encodings a delivery may be written in."""

from __future__ import annotations

CATEGORIES = ("EtabEducNat", "MatiereEducNat", "MefEducNat", "Eleve", "PersRelEleve", "PersEducNat")
OPERATIONAL = {
    "EtabEducNat": ("categorieStructure", "EtabEducNat"),
    "MatiereEducNat": ("categorieMatiere", "MatEducNat"),
    "MefEducNat": ("categorieMef", "MefEducNat"),
    "Eleve": ("categoriePersonne", "Eleve"),
    "PersRelEleve": ("categoriePersonne", "PersRelEleve"),
    "PersEducNat": ("categoriePersonne", "PersEducNat"),
}
ATTRIBUTES = {
    "EtabEducNat": (
        "ENTStructureJointure",
        "ENTStructureUAI",
        "ENTStructureNomCourant",
        "ENTStructureTypeStruct",
        "ENTEtablissementContrat",
        "ENTServAcAcademie",
        "street",
        "postalCode",
        "l",
        "telephoneNumber",
        "ENTStructureClasses",
        "ENTStructureGroupes",
    ),
    "MatiereEducNat": ("ENTMatJointure", "ENTLibelleMatiere"),
    "MefEducNat": ("ENTMefJointure", "ENTLibelleMef"),
    "Eleve": (
        "ENTPersonJointure",
        "ENTEleveStructRattachId",
        "ENTEleveINE",
        "personalTitle",
        "sn",
        "givenName",
        "ENTPersonNomPatro",
        "ENTPersonAutresPrenoms",
        "ENTPersonDateNaissance",
        "ENTPersonStructRattach",
        "ENTEleveClasses",
        "ENTEleveGroupes",
        "ENTEleveMEF",
        "ENTEleveLibelleMEF",
        "ENTEleveCodeEnseignements",
        "ENTEleveEnseignements",
        "ENTEleveStatutEleve",
        "ENTEleveBoursier",
        "ENTEleveRegime",
        "ENTElevePersRelEleve",
        "ENTEleveAutoriteParentale",
        "mail",
        "homePhone",
    ),
    "PersRelEleve": (
        "ENTPersonJointure",
        "personalTitle",
        "sn",
        "givenName",
        "ENTPersonNomPatro",
        "ENTPersonDateNaissance",
        "homePhone",
        "telephoneNumber",
        "mobile",
        "mail",
        "ENTPersonAdresse",
        "ENTPersonCodePostal",
        "ENTPersonVille",
        "ENTPersonPays",
        "ENTAuxPersRelEleveEleve",
    ),
    "PersEducNat": (
        "ENTPersonJointure",
        "personalTitle",
        "sn",
        "givenName",
        "ENTPersonNomPatro",
        "ENTPersonDateNaissance",
        "mail",
        "ENTPersonStructRattach",
        "ENTPersonFonctions",
        "PersEducNatPresenceDevantEleves",
        "ENTPersonCategorieEnseignant",
        "ENTAuxEnsClasses",
        "ENTAuxEnsGroupes",
        "ENTAuxEnsClassesMatieres",
        "ENTAuxEnsGroupesMatieres",
        "ENTAuxEnsClassesPrincipal",
        "ENTAuxEnsMatiereEnseignEtab",
        "ENTPersonSTSId",
    ),
}
# --encoding choice -> (name in the XML declaration, Python codec, CRLF line ends)
ENCODINGS = {
    "iso-8859-1": ("ISO-8859-1", "latin-1", True),
    "iso-8859-15": ("ISO-8859-15", "iso8859_15", False),
    "utf-8": ("UTF-8", "utf-8", False),
}
FORMAT_VERSION = "AAF-VE1803"
HEADER = f'<!-- versionAF="{FORMAT_VERSION}" -->\n'
EMPTY = "<value/>"

Values = tuple[tuple[str, ...], ...]
Record = tuple[str, Values]
