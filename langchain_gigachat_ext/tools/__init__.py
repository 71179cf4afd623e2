"""Tool binding: schema compiler, tool conversion and tool_choice handling."""
