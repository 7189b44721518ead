DynamicVec.v
