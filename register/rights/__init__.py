"""Rights of a dataset (personal data, lawful basis, consent, regions, retention): the record,
the validation of user values, region codes and the spreadsheet columns that carry them."""
