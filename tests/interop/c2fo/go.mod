module lockactors.test/c2fo-interop

go 1.19
