// Entry point of the stand-alone broker; replaced by the broker-server work (issue 2).
return 0;
