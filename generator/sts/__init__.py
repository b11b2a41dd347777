"""The STS-web export of the synthetic académie (formats §3):
``sts_emp_<UAI>_<year>.xml`` (``STS_EDT``), ISO-8859-15, with the same staff,
classes, groups and services as the AAF files (``export``); and the
timetable-to-STS file users upload instead of it by mistake (``edt_sts``)."""
