"""The schema compiler's private parts: the node it works on, text hints, unions."""
