Fp32Max_s1.v
