Console.Error.WriteLine("llmkube-operator: not built yet");
return 64;
