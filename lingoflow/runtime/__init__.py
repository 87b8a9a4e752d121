"""How a run uses the machine: files in flight and turns at speech recognition (parallel), the
garbage collector kept off what the models load (heap)."""
