"""Validate hooksim's JUnit reports against tests/junit/junit.xsd.

Usage: python3 tests/junit/validate.py REPORT.xml...  (needs `xmlschema`)
"""
import pathlib
import sys

import xmlschema

schema = xmlschema.XMLSchema(pathlib.Path(__file__).with_name("junit.xsd"))
for report in sys.argv[1:]:
    schema.validate(report)
    print(f"{report}: valid JUnit XML")
