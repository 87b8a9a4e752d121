"""Quality: lingoflow measured against human references (evaluate), and the input-quality
checks every localize run makes on the ingested audio (input_checks)."""
