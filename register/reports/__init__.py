"""Reports for people: the board dashboard (:mod:`.figures`, :mod:`.dashboard`), the EU AI
Act training-content summary (:mod:`.ai_act`) and the records of processing of personal data
(:mod:`.processing`)."""
