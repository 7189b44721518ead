Queue_d5_w8_ram.v
