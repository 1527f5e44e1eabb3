"""Sample quality: the committed classifier, the scores and the report."""
