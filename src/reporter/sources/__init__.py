"""Where items come from: seed files and feeds. Third-party parsers never leave these modules."""
