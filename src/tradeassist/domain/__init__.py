"""Pure value types shared by every layer; nothing here does I/O."""
