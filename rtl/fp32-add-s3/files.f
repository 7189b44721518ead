Fp32Add_s3.v
