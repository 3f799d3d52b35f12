import UsageETLCLI

UsageETL.runMain()
