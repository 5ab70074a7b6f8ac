module example.com/t2j

go 1.19
