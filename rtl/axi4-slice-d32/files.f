SkidBuffer_b43.v
SkidBuffer_b37.v
SkidBuffer_b4.v
SkidBuffer_b37_1.v
Axi4Slice_d32_a16_i2.v
