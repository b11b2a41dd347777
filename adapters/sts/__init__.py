"""STS-web export ``sts_emp_<UAI>_<year>.xml`` (formats §3): format → validated records."""
