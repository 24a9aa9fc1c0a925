g/*.yaml: error[io]: cannot read g/*.yaml: No such file or directory (os error 2)
  = expected a regular YAML file of at most 4194304 bytes
  = help: pass the configuration with --config PATH

1 error(s), 0 warning(s)
Command exited with non-zero status 1
g/*.yaml 0.00 s 0.00 u 5160 KB
