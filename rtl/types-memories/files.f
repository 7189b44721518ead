TypedMemories.v
