"""Read models built from the event stream (one module per view)."""
