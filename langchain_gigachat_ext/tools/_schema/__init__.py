"""The schema compiler behind ``tools.schema``: compiler, nodes, unions, notes, restore plans."""
