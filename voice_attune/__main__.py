from voice_attune.cli import main

raise SystemExit(main())
