/** Composition root: runs the scraper under Greengrass (IPC, configuration, lifecycle) via the shared runner. */
import { COMPONENTS } from '../../shared/contracts/index.ts';
import { runComponent } from '../../shared/runtime/run-component.ts';
import { parseScraperConfig } from './config.ts';
import { createScraper } from './scraper.ts';

void runComponent({ name: COMPONENTS.scraper, parseConfig: parseScraperConfig, create: createScraper });
