Fp32Sqrt_s12.v
