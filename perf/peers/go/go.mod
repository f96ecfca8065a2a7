module rgcpeer

go 1.19
