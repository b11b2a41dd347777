"""The Index Education timetable export of the synthetic académie (formats
§4): ``export_edt_<UAI>.xml`` (``ExportEmploiDuTemps``, clear XML, UTF-8) in
the shapes real exports have: ``@Semaines`` masks where week n is the value
2**n, over the school weeks but the Toussaint and Christmas holidays, each
followed by the exporter's ``<!--Domaine : [...]-->`` decoding; courses
holding only a subject; students listing a class part no class declares;
with ``shape="legacy"`` the teachers of older exports (no IDSTS, no birth
date, ``IdPN``); ``DateFin`` as asked (``--edt-ends-on``).

- ``model``: one export as data, so that the variants are edits of it;
- ``weeks``: the ``@Semaines`` masks and the school weeks;
- ``build``: the export of one establishment at one date;
- ``export``: its XML.

Nothing here draws from the académie's shared random streams or identifier
spaces: the timetable has its own ``random.Random`` per establishment,
seeded from the seed and the establishment only, so that the AAF output is
unchanged and the two timetable exports of an establishment differ only by
the churn (same slots, same idents).
"""
