SkidBuffer_w8.v
