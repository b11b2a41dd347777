"""Names, streets, establishment names and communes the académie draws from (data).

Kept here (not in a data file) so that the generator stays stdlib-only
Python.  Names carry accents, apostrophes, hyphens, spaces and the
Latin-9-only letter "œ" on purpose: they exercise the parsers' encodings.
"""

from __future__ import annotations


def words(text: str) -> tuple[str, ...]:
    """Split on whitespace; "_" stands for a space inside one name."""
    return tuple(w.replace("_", " ") for w in text.split())


LAST_NAMES = words("""Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent
    Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert
    Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas
    Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard
    Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Pérez Marchand
    Dufour Blanchard Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Renard Arnaud Rolland Caron
    Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard Lacroix Fabre Dupuis Rivière
    Da_Silva Dos_Santos Le_Gall Le_Goff De_La_Fontaine Ben_Saïd D'Arco N'Diaye D'Almeida L'Hôte Cœur
    Lœuillet Bœuf Rœderer Descœudres Müller Nuñez Tran Pham El_Amrani Saint-Jean""")
CHILD_F = words("""Léa Emma Chloé Manon Camille Inès Sarah Jade Louise Zoé Lola Anaïs Maëlle Noémie Héloïse
    Clémence Océane Élise Juliette Lucie Ambre Romane Margaux Éva Alice Rose Anna Mila Léna Lina Nour
    Yasmine Aïcha Marie-Ève Anne-Sophie Capucine Agathe Gaëlle Solène Maïwenn""")
CHILD_M = words("""Lucas Hugo Louis Gabriel Arthur Jules Raphaël Adam Nathan Ethan Théo Léo Tom Noah Enzo
    Mathis Maël Sacha Timéo Baptiste Clément Maxime Alexandre Antoine Jean-Baptiste Pierre-Louis Loïc
    Grégoire Benoît Noé Mehdi Yanis Rayan Kylian Aurélien Mathéo Joël""")
ADULT_F = words("""Nathalie Isabelle Sylvie Céline Sandrine Valérie Stéphanie Aurélie Caroline Virginie Émilie
    Sophie Hélène Cécile Laetitia Karine Christelle Agnès Françoise Delphine Béatrice Marie-Hélène
    Anne-Laure Yvette Suzanne Fatima Samia""")
ADULT_M = words("""Nicolas Stéphane Christophe Sébastien Frédéric Laurent Olivier David Julien Éric Philippe
    Thierry Jérôme Cédric Franck Pascal Vincent Guillaume Jean-Marc Jean-François Hervé Gérard Guy Tino
    René Karim Mohamed""")
STREETS = (
    "RUE DES LILAS",
    "AVENUE JEAN JAURÈS",
    "CHEMIN DU MOULIN",
    "PLACE DE L'ÉGLISE",
    "BOULEVARD DES BELGES",
    "IMPASSE DES ŒILLETS",
    "RUE VICTOR HUGO",
    "ALLÉE DES PINS",
    "ROUTE DE LA GARE",
    "RUE DU 8 MAI 1945",
    "QUAI SAINT-ANTOINE",
    "RUE PASTEUR",
)
ETAB_NAMES = (
    "VAL D'ARGENT",
    "JEAN MOULIN",
    "JULES FERRY",
    "VICTOR HUGO",
    "LOUISE MICHEL",
    "MARIE CURIE",
    "SIMONE VEIL",
    "JEAN JAURES",
    "ALBERT CAMUS",
    "LES EYQUEMS",
    "SAINT-EXUPERY",
    "EMILE ZOLA",
    "JACQUES PREVERT",
    "PABLO PICASSO",
    "GEORGE SAND",
    "LA CHÂTAIGNERAIE",
    "LES ŒILLETS",
    "CONDORCET",
    "LAMARTINE",
    "RENE CASSIN",
    "JEAN MACÉ",
    "LES TILLEULS",
    "AMPÈRE",
    "LUMIÈRE",
)
ETAB_NAMES_PR = ("SAINT-JOSEPH", "NOTRE-DAME", "SAINTE-MARIE", "LA SALLE", "SAINT-LOUIS", "JEANNE D'ARC")
# académie -> département -> communes (name, postal code)
ACADEMIES = {
    "LYON": {
        "001": (("BOURG-EN-BRESSE", "01000"), ("OYONNAX", "01100"), ("AMBÉRIEU-EN-BUGEY", "01500")),
        "042": (("SAINT-ÉTIENNE", "42000"), ("ROANNE", "42300"), ("MONTBRISON", "42600")),
        "069": (
            ("LYON", "69003"),
            ("VILLEURBANNE", "69100"),
            ("VÉNISSIEUX", "69200"),
            ("VILLEFRANCHE-SUR-SAÔNE", "69400"),
        ),
    },
    "GRENOBLE": {
        "038": (("GRENOBLE", "38000"), ("ÉCHIROLLES", "38130"), ("VOIRON", "38500")),
        "073": (("CHAMBÉRY", "73000"), ("AIX-LES-BAINS", "73100")),
        "074": (("ANNECY", "74000"), ("THONON-LES-BAINS", "74200")),
        "026": (("VALENCE", "26000"), ("MONTÉLIMAR", "26200")),
    },
    "NANTES": {
        "044": (("NANTES", "44000"), ("SAINT-NAZAIRE", "44600"), ("REZÉ", "44400")),
        "049": (("ANGERS", "49000"), ("CHOLET", "49300")),
        "072": (("LE MANS", "72000"),),
        "085": (("LA ROCHE-SUR-YON", "85000"),),
        "053": (("LAVAL", "53000"),),
    },
}
