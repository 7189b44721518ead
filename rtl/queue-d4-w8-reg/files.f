Queue_d4_w8_reg.v
