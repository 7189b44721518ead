RRArbiter_n3_w8.v
