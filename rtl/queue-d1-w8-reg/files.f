Queue_d1_w8_reg.v
