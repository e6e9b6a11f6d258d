Console.Error.WriteLine("llmkube-fetch: not built yet");
return 64;
