Fp32Mul_s4.v
