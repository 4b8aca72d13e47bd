"""Data kept in the repo from which the mirror is generated.

- banks.py: names, places, agencies, photo credits and sentence/title templates
  for generated articles (Korean, Japanese, Chinese, Hindi names and places...).
- special.py: hand-written articles (the 2018 seed article and its READ MORE
  targets, an opinion piece, a rich current-layout article, a multi-author one).
- real.py + real/: the real saved pages, served byte-for-byte, with their
  hand-written expected values.
"""
